"""The admin's e-mail settings page (section "initiatives"): `app.messaging.shop_settings`."""
