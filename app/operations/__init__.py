"""The shop's operations: its webhook deliveries (failed ones with their error, and a retry) and
the progress of its store syncs, as the JSON API (`endpoints`) and the admin's Operations page
(`app.admin.operations`) show them; `service` holds the queries both read."""
