"""The weekly digest's settings page and its form; the digest itself is `app.digest`."""
