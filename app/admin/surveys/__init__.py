"""The Surveys section: the survey builder, each survey's responses, breakdown and widget."""
