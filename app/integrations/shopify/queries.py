"""The Admin GraphQL documents StoreOKR sends (one place to review cost and fields)."""

SHOP = """
query StoreOkrShop {
  shop { name email currencyCode ianaTimezone myshopifyDomain }
}
"""

WEBHOOK_SUBSCRIPTIONS = """
query StoreOkrWebhooks {
  webhookSubscriptions(first: 100) { nodes { id topic uri } }
}
"""

CREATE_WEBHOOK = """
mutation StoreOkrSubscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
"""

_PAGE_INFO = "pageInfo { hasNextPage endCursor }"
_MONEY = "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }"

ORDERS = f"""
query StoreOkrOrders($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    {_PAGE_INFO}
    nodes {{
      id legacyResourceId name createdAt updatedAt processedAt cancelledAt test
      currencyCode presentmentCurrencyCode displayFinancialStatus sourceName
      landingPageUrl referrerUrl discountCodes checkoutToken
      customer {{ id legacyResourceId email }}
      email
      subtotalPriceSet {{ {_MONEY} }}
      totalDiscountsSet {{ {_MONEY} }}
      totalShippingPriceSet {{ {_MONEY} }}
      totalTaxSet {{ {_MONEY} }}
      totalPriceSet {{ {_MONEY} }}
      currentTotalPriceSet {{ {_MONEY} }}
      totalRefundedSet {{ {_MONEY} }}
      refunds {{
        legacyResourceId createdAt
        refundLineItems(first: 100) {{
          nodes {{ quantity lineItem {{ id }} subtotalSet {{ {_MONEY} }} }}
        }}
      }}
      lineItems(first: 100) {{
        nodes {{
          id quantity sku
          variant {{ id legacyResourceId }}
          product {{ id legacyResourceId }}
          originalUnitPriceSet {{ {_MONEY} }}
        }}
      }}
    }}
  }}
}}
"""

ABANDONED_CHECKOUTS = f"""
query StoreOkrCheckouts($first: Int!, $after: String, $query: String) {{
  abandonedCheckouts(first: $first, after: $after, query: $query) {{
    {_PAGE_INFO}
    nodes {{
      id createdAt updatedAt completedAt abandonedCheckoutUrl
      customer {{ id legacyResourceId email }}
      totalPriceSet {{ {_MONEY} }}
      lineItems(first: 100) {{
        nodes {{
          title variantTitle quantity originalUnitPriceSet {{ {_MONEY} }} image {{ url }}
          product {{ legacyResourceId }} variant {{ legacyResourceId }}
        }}
      }}
    }}
  }}
}}
"""

CUSTOMERS = f"""
query StoreOkrCustomers($first: Int!, $after: String, $query: String) {{
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    {_PAGE_INFO}
    nodes {{
      id legacyResourceId createdAt updatedAt firstName lastName
      defaultEmailAddress {{ emailAddress marketingState }}
    }}
  }}
}}
"""

CREATE_DISCOUNT_CODE = """
mutation StoreOkrDiscount($discount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $discount) {
    codeDiscountNode { id }
    userErrors { field message code }
  }
}
"""

ORDER_REFUNDS = """
query StoreOkrRefunds($id: ID!) {
  order(id: $id) {
    refunds {
      legacyResourceId createdAt
      refundLineItems(first: 100) {
        nodes { quantity lineItem { id } subtotalSet { shopMoney { amount currencyCode } } }
      }
    }
  }
}
"""

ORDERS_COUNT = """
query StoreOkrOrdersCount($query: String) {
  ordersCount(query: $query, limit: null) { count }
}
"""

# A bulk export (`bulkOperationRunQuery`): the same fields as ORDERS, its connections as
# edges/node. Shopify writes each connection's nodes on their own JSONL lines, after their
# parent, naming it in `__parentId` (`bulk.assembled_orders` puts them back).
_BULK_MONEY = "shopMoney { amount currencyCode }"
BULK_ORDERS_DOCUMENT = f"""
{{
  orders(query: "__QUERY__", sortKey: UPDATED_AT) {{
    edges {{ node {{
      id legacyResourceId name createdAt updatedAt processedAt cancelledAt test
      currencyCode displayFinancialStatus sourceName landingPageUrl referrerUrl discountCodes
      checkoutToken
      customer {{ id legacyResourceId email }}
      email
      totalDiscountsSet {{ {_BULK_MONEY} }}
      totalShippingPriceSet {{ {_BULK_MONEY} }}
      totalTaxSet {{ {_BULK_MONEY} }}
      totalPriceSet {{ {_BULK_MONEY} }}
      currentTotalPriceSet {{ {_BULK_MONEY} }}
      refunds {{
        id legacyResourceId createdAt
        refundLineItems {{ edges {{ node {{
          id quantity lineItem {{ id }} subtotalSet {{ {_BULK_MONEY} }}
        }} }} }}
      }}
      lineItems {{ edges {{ node {{
        id quantity variant {{ id legacyResourceId }} product {{ id legacyResourceId }}
        originalUnitPriceSet {{ {_BULK_MONEY} }}
      }} }} }}
    }} }}
  }}
}}
"""

RUN_BULK_QUERY = """
mutation StoreOkrBulkOrders($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}
"""

CURRENT_BULK_OPERATION = """
query StoreOkrBulkStatus {
  currentBulkOperation(type: QUERY) { id status errorCode objectCount rootObjectCount url }
}
"""
