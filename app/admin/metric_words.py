"""The metric catalogue's names and definitions, marked here for the admin's catalogues (the
catalogue itself is the metrics layer's, in English, as METRICS.md and the API give it): the
admin shows them in the page's language through `labels.metric_name` and
`labels.metric_definition`. tests/admin/test_metric_words.py fails when a metric's English
here differs from the catalogue's."""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a message for extraction (gettext's own convention); translated where shown."""
    return message


# key → (name, definition)
MESSAGES: dict[str, tuple[str, str]] = {
    "net_sales": (
        N_("Net sales"),
        N_("Gross sales − discounts − returns over the range."),
    ),
    "gross_sales": (
        N_("Gross sales"),
        N_(
            "Σ line-item price × quantity of counted orders placed in the range "
            "(before discounts; no shipping, no tax)."
        ),
    ),
    "discounts": (
        N_("Discounts"),
        N_("Σ of order- and line-level discounts of counted orders placed in the range."),
    ),
    "returns": (
        N_("Returns"),
        N_(
            "Refunded merchandise (before tax and shipping) of counted orders, "
            "counted on each refund's own date."
        ),
    ),
    "refunds": (
        N_("Refunds"),
        N_(
            "The same figure as returns: refunded merchandise of counted orders, on "
            "each refund's own date."
        ),
    ),
    "orders": (
        N_("Orders"),
        N_("Counted orders placed in the range (no test or cancelled orders)."),
    ),
    "aov": (
        N_("Average order value"),
        N_(
            "(Gross sales − discounts) ÷ orders, for orders placed in the range; "
            "returns, shipping and tax excluded. None without orders."
        ),
    ),
    "units_per_order": (
        N_("Units per order"),
        N_("Σ line-item quantities ÷ orders."),
    ),
    "discount_rate": (
        N_("Discount rate"),
        N_("Discounts ÷ gross sales."),
    ),
    "refund_rate": (
        N_("Refund rate"),
        N_("Returns ÷ gross sales over the range."),
    ),
    "fulfillment_time": (
        N_("Fulfilment time"),
        N_(
            "Mean hours from order creation to its first fulfilment, over counted "
            "orders placed in the range that are fulfilled."
        ),
    ),
    "gross_margin": (
        N_("Gross margin"),
        N_(
            "(Sales − cost) ÷ sales over the lines of counted orders placed in the "
            "range whose unit cost the store reports (sales: price × quantity − line "
            "discount). None when no line has a cost."
        ),
    ),
    "customers": (
        N_("Customers"),
        N_(
            "Distinct customers with at least one counted order in the range (by "
            "customer id, else e-mail; orders with neither are left out)."
        ),
    ),
    "new_customers": (
        N_("New customers"),
        N_("Customers whose first counted order ever falls in the range."),
    ),
    "returning_customers": (
        N_("Returning customers"),
        N_(
            "Customers with a counted order in the range who also have an earlier "
            "counted order (any time before that order)."
        ),
    ),
    "returning_customer_rate": (
        N_("Returning customer rate"),
        N_("Returning customers ÷ customers."),
    ),
    "repeat_purchase_rate": (
        N_("Repeat purchase rate"),
        N_(
            "Of the customers whose first counted order falls in the range, the share "
            "who placed a second counted order within 90 days of the first "
            "(shop-local days). Customers acquired in the last 90 days are still "
            "inside their window."
        ),
    ),
    "checkouts_started": (
        N_("Checkouts started"),
        N_(
            "Checkouts created in the range that have contact information (e-mail or "
            "phone). An order placed through a checkout the store never reported counts as "
            "a checkout created and completed when the order was placed, with the order's "
            "e-mail as its contact; once the store reports that checkout, its own creation "
            "day counts instead."
        ),
    ),
    "checkout_conversion_rate": (
        N_("Checkout conversion rate"),
        N_(
            "Of the checkouts started in the range, the share completed (an order "
            "placed with the checkout's token)."
        ),
    ),
    "abandoned_checkouts": (
        N_("Abandoned checkouts"),
        N_(
            "Checkouts started in the range that were not completed within the shop's "
            "abandonment delay (default 1 h) after their last update, or that the store "
            "lists as abandoned and recovered; dated by creation."
        ),
    ),
    "recovered_checkouts": (
        N_("Recovered checkouts"),
        N_("Abandoned checkouts (started in the range) later completed."),
    ),
    "abandoned_checkout_recovery_rate": (
        N_("Abandoned-checkout recovery rate"),
        N_("Recovered checkouts ÷ abandoned checkouts, both of checkouts started in the range."),
    ),
    "recovered_revenue": (
        N_("Recovered revenue"),
        N_(
            "Gross sales − discounts of the orders that completed abandoned "
            "checkouts, dated by the checkout's creation day."
        ),
    ),
    "customer_lifetime_value": (
        N_("Customer lifetime value"),
        N_(
            "Historic average up to the range's last day: net sales (gross − "
            "discounts − returns) of all counted orders of known customers ÷ the "
            "number of those customers."
        ),
    ),
    "emails_sent": (
        N_("E-mails sent"),
        N_(
            "Marketing e-mails of the shop's initiatives (recovery, win-back) in the "
            "send log, whatever their initiative; days are shop-local. Messages the "
            "SMTP server accepted, on the day they were handed to it; skipped, "
            "deferred and failed messages are not counted."
        ),
    ),
    "email_opens": (
        N_("E-mail opens"),
        N_(
            "Marketing e-mails of the shop's initiatives (recovery, win-back) in the "
            "send log, whatever their initiative; days are shop-local. Messages "
            "opened (their tracking image loaded), each counted once, on the day of "
            "its first open; mail clients that block images are not seen."
        ),
    ),
    "email_clicks": (
        N_("E-mail clicks"),
        N_(
            "Marketing e-mails of the shop's initiatives (recovery, win-back) in the "
            "send log, whatever their initiative; days are shop-local. Messages with "
            "a followed link, each counted once, on the day of its first click."
        ),
    ),
    "unsubscribes": (
        N_("Unsubscribes"),
        N_(
            "Addresses that unsubscribed from the shop's marketing e-mails (the link "
            "in a message, or one-click unsubscribe), on the day they did; an address "
            "counts once."
        ),
    ),
    "initiative_recovered_checkouts": (
        N_("Checkouts recovered by initiatives"),
        N_(
            "Abandoned checkouts recovered for an abandoned-checkout initiative: "
            "completed, or their customer ordered, through our recovery link or "
            "within the initiative's attribution window after one of its e-mails; "
            "each checkout counts once. Recorded by the initiative when the outcome "
            "happens and dated by the order's shop-local day; test orders count for "
            "nothing; an outcome stays counted when its order is later edited or "
            "cancelled."
        ),
    ),
    "initiative_recovered_revenue": (
        N_("Revenue recovered by initiatives"),
        N_(
            "Gross sales − discounts, in the shop's currency, of the orders that "
            "recovered those checkouts, as the order was when it recovered them; an "
            "order recovering two checkouts counts once. Recorded by the initiative "
            "when the outcome happens and dated by the order's shop-local day; test "
            "orders count for nothing; an outcome stays counted when its order is "
            "later edited or cancelled."
        ),
    ),
    "reactivated_customers": (
        N_("Reactivated customers"),
        N_(
            "Lapsed customers won back: the first counted order of a customer in a "
            "win-back initiative placed after its first e-mail to them; one per such "
            "order, however many win-back initiatives wrote to them (a customer who "
            "lapses again and comes back again counts again). Recorded by the "
            "initiative when the outcome happens and dated by the order's shop-local "
            "day; test orders count for nothing; an outcome stays counted when its "
            "order is later edited or cancelled."
        ),
    ),
    "coupon_redemptions": (
        N_("Coupon redemptions"),
        N_(
            "Single-use win-back discount codes used in a counted order (the order's "
            "discount codes, compared without case); each code counts once. Recorded "
            "by the initiative when the outcome happens and dated by the order's "
            "shop-local day; test orders count for nothing; an outcome stays counted "
            "when its order is later edited or cancelled."
        ),
    ),
    "nps": (
        N_("Net Promoter Score"),
        N_(
            "Promoters (NPS answer 9–10) − detractors (0–6), in points of 100, over "
            "the responses with an NPS answer dated in the range (−100 to 100; "
            "passives, 7–8, count in the denominator only). None without an NPS "
            "answer. Responses to the shop's survey initiatives, by e-mail (a score "
            "link, then the hosted page) or the storefront widget: one response per "
            "order and survey, whose scores a later answer replaces; a response is "
            "dated by the shop-local day of its first answer. A customer's redaction "
            "keeps their scores counted."
        ),
    ),
    "ces": (
        N_("Customer Effort Score"),
        N_(
            "Mean CES answer (1 very difficult – 7 very easy) of the responses with a "
            "CES answer dated in the range. None without a CES answer. Responses to "
            "the shop's survey initiatives, by e-mail (a score link, then the hosted "
            "page) or the storefront widget: one response per order and survey, whose "
            "scores a later answer replaces; a response is dated by the shop-local "
            "day of its first answer. A customer's redaction keeps their scores "
            "counted."
        ),
    ),
    "survey_responses": (
        N_("Survey responses"),
        N_(
            "Responses dated in the range, from every channel. Responses to the "
            "shop's survey initiatives, by e-mail (a score link, then the hosted "
            "page) or the storefront widget: one response per order and survey, whose "
            "scores a later answer replaces; a response is dated by the shop-local "
            "day of its first answer. A customer's redaction keeps their scores "
            "counted."
        ),
    ),
    "survey_response_rate": (
        N_("Survey response rate"),
        N_(
            "Responses first answered through a survey e-mail ÷ survey e-mails the "
            "SMTP server accepted, each on its own shop-local day in the range "
            "(widget responses are not in it). None when no survey e-mail was sent. "
            "Responses to the shop's survey initiatives, by e-mail (a score link, "
            "then the hosted page) or the storefront widget: one response per order "
            "and survey, whose scores a later answer replaces; a response is dated by "
            "the shop-local day of its first answer. A customer's redaction keeps "
            "their scores counted."
        ),
    ),
}
