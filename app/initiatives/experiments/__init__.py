"""Experiments on initiatives: variants and a holdout, sticky assignment, honest statistics
and the measured lift on the linked key results (issue #19)."""
