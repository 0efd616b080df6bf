"""The embedded admin: server-rendered pages (Jinja2), htmx for partial updates and the live
event stream for changes, no front-end build step."""
