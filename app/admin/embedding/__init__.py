"""Pages inside the Shopify admin: what a page needs to run App Bridge there (`app_bridge`) and
the page that fetches a fresh session token (`bounce_page`)."""
