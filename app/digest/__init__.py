"""The weekly digest: the open cycle's scores e-mailed to a shop's stakeholder list on the
weekday and hour the merchant picked (shop-local), once per week."""
