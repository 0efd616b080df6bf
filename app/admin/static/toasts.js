// Inside the Shopify admin: a flash (what a form's action did, app/admin/flash.py) is shown as
// App Bridge's toast, not in the page. The page carries each as a hidden `[data-toast]`
// element; it is shown once and removed, on load and after htmx swaps a page in (a form sent by
// embedded_forms.js comes back as a swapped body). The flash's code then leaves the address
// (after embedded_forms.js has put the new page's there), so a reload does not say it again.
(function () {
  "use strict";
  const FLASH_PARAM = "done";

  function showToasts() {
    const address = new URL(window.location.href);
    if (address.searchParams.has(FLASH_PARAM)) {
      address.searchParams.delete(FLASH_PARAM);
      window.history.replaceState(window.history.state, "", address.toString());
    }
    document.querySelectorAll("[data-toast]").forEach(function (carrier) {
      const isError = carrier.hasAttribute("data-toast-error");
      carrier.remove();
      window.shopify.toast.show(carrier.getAttribute("data-toast"), { isError: isError });
    });
  }

  document.addEventListener("DOMContentLoaded", showToasts);
  document.addEventListener("htmx:afterSwap", showToasts);
})();
