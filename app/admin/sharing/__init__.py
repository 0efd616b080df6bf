"""The sharing section: share links made, listed and revoked (`page`), what a link opens for
anyone holding it (`share_page`), and the CSV exports (`exports`)."""
