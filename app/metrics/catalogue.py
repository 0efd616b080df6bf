"""The metrics, each declared once: name, unit, which way is better, the definition merchants
read (from METRICS.md), where its figures come from and its formula over a range's figures.

A metric family is a source of additive figures (sales, customers, checkouts, lifetime,
marketing, outcomes, surveys): a source that reads a range's figures by day, and formulas over
them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

from app.metrics import sources
from app.metrics.checkouts import CheckoutFigures
from app.metrics.customers import REPEAT_WINDOW_DAYS, CustomerCounts
from app.metrics.figures import SalesFigures
from app.metrics.marketing import MessageFigures
from app.metrics.outcomes import OutcomeFigures
from app.metrics.sources import Lifetime, Source
from app.metrics.surveys import SurveyFigures

T = TypeVar("T")


class Unit(StrEnum):
    MONEY = "money"
    PERCENT = "percent"  # a ratio: 0.25 is 25 %
    COUNT = "count"
    SCORE = "score"
    DURATION = "duration"  # hours


class Aggregation(StrEnum):
    """How a metric's value over a range relates to its days' values."""

    SUM = "sum"  # the sum of the days' values (grows with the range)
    DISTINCT = "distinct"  # distinct customers: grows with the range, but does not add up
    RATIO = "ratio"  # a rate or an average of the range


# The metrics whose range value is the sum of their days' values, and the distinct counts.
SUMMED = frozenset({
    "net_sales", "gross_sales", "discounts", "returns", "refunds", "orders", "new_customers",
    "checkouts_started", "abandoned_checkouts", "recovered_checkouts", "recovered_revenue",
    "emails_sent", "email_opens", "email_clicks", "unsubscribes",
    "initiative_recovered_checkouts", "initiative_recovered_revenue", "reactivated_customers",
    "coupon_redemptions", "survey_responses",
})  # fmt: skip
DISTINCT = frozenset({"customers", "returning_customers"})


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True)
class Metric(Generic[T]):
    key: str
    name: str
    unit: Unit
    better: Better
    definition: str
    source: Source[T]
    formula: Callable[[T], Decimal | None]

    @property
    def aggregation(self) -> Aggregation:
        if self.key in SUMMED:
            return Aggregation.SUM
        return Aggregation.DISTINCT if self.key in DISTINCT else Aggregation.RATIO


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    return None if not denominator else Decimal(numerator) / Decimal(denominator)


def _sales(
    key: str, name: str, unit: Unit, better: Better, definition: str,
    formula: Callable[[SalesFigures], Decimal | None],
) -> Metric[SalesFigures]:  # fmt: skip
    return Metric(key, name, unit, better, definition, sources.sales, formula)


def _customers(
    key: str, name: str, unit: Unit, better: Better, definition: str,
    formula: Callable[[CustomerCounts], Decimal | None],
) -> Metric[CustomerCounts]:  # fmt: skip
    return Metric(key, name, unit, better, definition, sources.customers, formula)


def _checkouts(
    key: str, name: str, unit: Unit, better: Better, definition: str,
    formula: Callable[[CheckoutFigures], Decimal | None],
) -> Metric[CheckoutFigures]:  # fmt: skip
    return Metric(key, name, unit, better, definition, sources.checkouts, formula)


SECONDS_PER_HOUR = 3600
HIGHER, LOWER = Better.HIGHER, Better.LOWER
MONEY, PERCENT, COUNT, DURATION = Unit.MONEY, Unit.PERCENT, Unit.COUNT, Unit.DURATION
SCORE = Unit.SCORE

SALES: tuple[Metric[SalesFigures], ...] = (
    _sales("net_sales", "Net sales", MONEY, HIGHER,
           "Gross sales − discounts − returns over the range.",
           lambda f: f.gross - f.discounts - f.returns),
    _sales("gross_sales", "Gross sales", MONEY, HIGHER,
           "Σ line-item price × quantity of counted orders placed in the range (before "
           "discounts; no shipping, no tax).",
           lambda f: f.gross),
    _sales("discounts", "Discounts", MONEY, LOWER,
           "Σ of order- and line-level discounts of counted orders placed in the range.",
           lambda f: f.discounts),
    _sales("returns", "Returns", MONEY, LOWER,
           "Refunded merchandise (before tax and shipping) of counted orders, counted on each "
           "refund's own date.",
           lambda f: f.returns),
    _sales("refunds", "Refunds", MONEY, LOWER,
           "The same figure as returns: refunded merchandise of counted orders, on each "
           "refund's own date.",
           lambda f: f.returns),
    _sales("orders", "Orders", COUNT, HIGHER,
           "Counted orders placed in the range (no test or cancelled orders).",
           lambda f: Decimal(f.orders)),
    _sales("aov", "Average order value", MONEY, HIGHER,
           "(Gross sales − discounts) ÷ orders, for orders placed in the range; returns, "
           "shipping and tax excluded. None without orders.",
           lambda f: ratio(f.gross - f.discounts, f.orders)),
    _sales("units_per_order", "Units per order", COUNT, HIGHER,
           "Σ line-item quantities ÷ orders.",
           lambda f: ratio(f.units, f.orders)),
    _sales("discount_rate", "Discount rate", PERCENT, LOWER,
           "Discounts ÷ gross sales.",
           lambda f: ratio(f.discounts, f.gross)),
    _sales("refund_rate", "Refund rate", PERCENT, LOWER,
           "Returns ÷ gross sales over the range.",
           lambda f: ratio(f.returns, f.gross)),
    _sales("fulfillment_time", "Fulfilment time", DURATION, LOWER,
           "Mean hours from order creation to its first fulfilment, over counted orders placed "
           "in the range that are fulfilled.",
           lambda f: ratio(Decimal(f.fulfillment_seconds) / SECONDS_PER_HOUR, f.fulfilled)),
    _sales("gross_margin", "Gross margin", PERCENT, HIGHER,
           "(Sales − cost) ÷ sales over the lines of counted orders placed in the range whose "
           "unit cost the store reports (sales: price × quantity − line discount). None when "
           "no line has a cost.",
           lambda f: ratio(f.costed_sales - f.cost, f.costed_sales)),
)  # fmt: skip

CUSTOMERS: tuple[Metric[CustomerCounts], ...] = (
    _customers("customers", "Customers", COUNT, HIGHER,
               "Distinct customers with at least one counted order in the range (by customer "
               "id, else e-mail; orders with neither are left out).",
               lambda c: Decimal(c.customers)),
    _customers("new_customers", "New customers", COUNT, HIGHER,
               "Customers whose first counted order ever falls in the range.",
               lambda c: Decimal(c.new)),
    _customers("returning_customers", "Returning customers", COUNT, HIGHER,
               "Customers with a counted order in the range who also have an earlier counted "
               "order (any time before that order).",
               lambda c: Decimal(c.returning)),
    _customers("returning_customer_rate", "Returning customer rate", PERCENT, HIGHER,
               "Returning customers ÷ customers.",
               lambda c: ratio(c.returning, c.customers)),
    _customers("repeat_purchase_rate", "Repeat purchase rate", PERCENT, HIGHER,
               f"Of the customers whose first counted order falls in the range, the share who "
               f"placed a second counted order within {REPEAT_WINDOW_DAYS} days of the first "
               f"(shop-local days). Customers acquired in the last {REPEAT_WINDOW_DAYS} days "
               f"are still inside their window.",
               lambda c: ratio(c.repeaters, c.new)),
)  # fmt: skip

CHECKOUTS: tuple[Metric[CheckoutFigures], ...] = (
    _checkouts("checkouts_started", "Checkouts started", COUNT, HIGHER,
               "Checkouts created in the range that have contact information (e-mail or "
               "phone). An order placed through a checkout the store never reported counts as "
               "a checkout created and completed when the order was placed, with the order's "
               "e-mail as its contact; once the store reports that checkout, its own creation "
               "day counts instead.",
               lambda c: Decimal(c.started)),
    _checkouts("checkout_conversion_rate", "Checkout conversion rate", PERCENT, HIGHER,
               "Of the checkouts started in the range, the share completed (an order placed "
               "with the checkout's token).",
               lambda c: ratio(c.completed, c.started)),
    _checkouts("abandoned_checkouts", "Abandoned checkouts", COUNT, LOWER,
               "Checkouts started in the range that were not completed within the shop's "
               "abandonment delay (default 1 h) after their last update, or that the store "
               "lists as abandoned and recovered; dated by creation.",
               lambda c: Decimal(c.abandoned)),
    _checkouts("recovered_checkouts", "Recovered checkouts", COUNT, HIGHER,
               "Abandoned checkouts (started in the range) later completed.",
               lambda c: Decimal(c.recovered)),
    _checkouts("abandoned_checkout_recovery_rate", "Abandoned-checkout recovery rate",
               PERCENT, HIGHER,
               "Recovered checkouts ÷ abandoned checkouts, both of checkouts started in the "
               "range.",
               lambda c: ratio(c.recovered, c.abandoned)),
    _checkouts("recovered_revenue", "Recovered revenue", MONEY, HIGHER,
               "Gross sales − discounts of the orders that completed abandoned checkouts, "
               "dated by the checkout's creation day.",
               lambda c: c.recovered_sales),
)  # fmt: skip

LIFETIME: tuple[Metric[Lifetime], ...] = (
    Metric(
        "customer_lifetime_value",
        "Customer lifetime value",
        MONEY,
        HIGHER,
        "Historic average up to the range's last day: net sales (gross − discounts − returns) "
        "of all counted orders of known customers ÷ the number of those customers.",
        sources.lifetime,
        lambda life: ratio(life.customer_net_sales, life.customers),
    ),
)

_MESSAGES = (
    "Marketing e-mails of the shop's initiatives (recovery, win-back) in the send log, "
    "whatever their initiative; days are shop-local."
)
_OUTCOMES = (
    "Recorded by the initiative when the outcome happens and dated by the order's shop-local "
    "day; test orders count for nothing; an outcome stays counted when its order is later "
    "edited or cancelled."
)
MESSAGES: tuple[Metric[MessageFigures], ...] = (
    Metric("emails_sent", "E-mails sent", COUNT, HIGHER,
           f"{_MESSAGES} Messages the SMTP server accepted, on the day they were handed to it; "
           f"skipped, deferred and failed messages are not counted.",
           sources.messages, lambda m: Decimal(m.sent)),
    Metric("email_opens", "E-mail opens", COUNT, HIGHER,
           f"{_MESSAGES} Messages opened (their tracking image loaded), each counted once, on "
           f"the day of its first open; mail clients that block images are not seen.",
           sources.messages, lambda m: Decimal(m.opens)),
    Metric("email_clicks", "E-mail clicks", COUNT, HIGHER,
           f"{_MESSAGES} Messages with a followed link, each counted once, on the day of its "
           f"first click.",
           sources.messages, lambda m: Decimal(m.clicks)),
    Metric("unsubscribes", "Unsubscribes", COUNT, LOWER,
           "Addresses that unsubscribed from the shop's marketing e-mails (the link in a "
           "message, or one-click unsubscribe), on the day they did; an address counts once.",
           sources.messages, lambda m: Decimal(m.unsubscribes)),
)  # fmt: skip

OUTCOMES: tuple[Metric[OutcomeFigures], ...] = (
    Metric("initiative_recovered_checkouts", "Checkouts recovered by initiatives", COUNT, HIGHER,
           f"Abandoned checkouts recovered for an abandoned-checkout initiative: completed, or "
           f"their customer ordered, through our recovery link or within the initiative's "
           f"attribution window after one of its e-mails; each checkout counts once. "
           f"{_OUTCOMES}",
           sources.outcomes, lambda o: Decimal(o.recovered_checkouts)),
    Metric("initiative_recovered_revenue", "Revenue recovered by initiatives", MONEY, HIGHER,
           f"Gross sales − discounts, in the shop's currency, of the orders that recovered "
           f"those checkouts, as the order was when it recovered them; an order recovering "
           f"two checkouts counts once. {_OUTCOMES}",
           sources.outcomes, lambda o: o.recovered_revenue),
    Metric("reactivated_customers", "Reactivated customers", COUNT, HIGHER,
           f"Lapsed customers won back: the first counted order of a customer in a win-back "
           f"initiative placed after its first e-mail to them; one per such order, however many "
           f"win-back initiatives wrote to them (a customer who lapses again and comes back "
           f"again counts again). {_OUTCOMES}",
           sources.outcomes, lambda o: Decimal(o.reactivated)),
    Metric("coupon_redemptions", "Coupon redemptions", COUNT, HIGHER,
           f"Single-use win-back discount codes used in a counted order (the order's discount "
           f"codes, compared without case); each code counts once. {_OUTCOMES}",
           sources.outcomes, lambda o: Decimal(o.redemptions)),
)  # fmt: skip

_SURVEYS = (
    "Responses to the shop's survey initiatives, by e-mail (a score link, then the hosted "
    "page) or the storefront widget: one response per order and survey, whose scores a later "
    "answer replaces; a response is dated by the shop-local day of its first answer. A "
    "customer's redaction keeps their scores counted."
)
SURVEYS: tuple[Metric[SurveyFigures], ...] = (
    Metric("nps", "Net Promoter Score", SCORE, HIGHER,
           f"Promoters (NPS answer 9–10) − detractors (0–6), in points of 100, over the "
           f"responses with an NPS answer dated in the range (−100 to 100; passives, 7–8, count "
           f"in the denominator only). None without an NPS answer. {_SURVEYS}",
           sources.survey_figures,
           lambda f: ratio(100 * (f.promoters - f.detractors), f.nps_answers)),
    Metric("ces", "Customer Effort Score", SCORE, HIGHER,
           f"Mean CES answer (1 very difficult – 7 very easy) of the responses with a CES "
           f"answer dated in the range. None without a CES answer. {_SURVEYS}",
           sources.survey_figures, lambda f: ratio(f.ces_total, f.ces_answers)),
    Metric("survey_responses", "Survey responses", COUNT, HIGHER,
           f"Responses dated in the range, from every channel. {_SURVEYS}",
           sources.survey_figures, lambda f: Decimal(f.responses)),
    Metric("survey_response_rate", "Survey response rate", PERCENT, HIGHER,
           f"Responses first answered through a survey e-mail ÷ survey e-mails the SMTP server "
           f"accepted, each on its own shop-local day in the range (widget responses are not "
           f"in it). None when no survey e-mail was sent. {_SURVEYS}",
           sources.survey_figures, lambda f: ratio(f.email_responses, f.emails_sent)),
)  # fmt: skip

METRICS: tuple[Metric[Any], ...] = (
    *SALES, *CUSTOMERS, *CHECKOUTS, *LIFETIME, *MESSAGES, *OUTCOMES, *SURVEYS,
)  # fmt: skip
BY_KEY: dict[str, Metric[Any]] = {metric.key: metric for metric in METRICS}
