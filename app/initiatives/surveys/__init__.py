"""Surveys: NPS and CES questions (with single-choice and free-text follow-ups) put to returning
customers by e-mail with one-click score links and a hosted page, feeding the survey metrics.

Why a sub-package of `app.initiatives` and not a `surveys` feature package of its own: a survey
is an initiative type (`InitiativeType.SURVEY`) — it is created, switched on and off, audited and
linked to key results as every initiative is; its invitations are swept, locked and ended by the
same step machinery as recoveries and win-backs (`app.initiatives.steps`); it listens to win-back
reactivations, which live in this layer; and it sends through the same marketing path. A
package beside `app.initiatives` would need a layer of its own in the import contract and would
still import all of that. Inside, it keeps to its own files, so the initiatives' shared modules
change by a line or two: `settings` (its schema), `models` (its tables), `tasks`, `privacy`.

Its metrics (`nps`, `ces`, `survey_responses`, `survey_response_rate`) are metrics' own
(`app.metrics.surveys`), below this layer: a response's scores are recorded there in the
response's transaction.
"""
