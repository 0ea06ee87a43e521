"""Supervision notes, contact reports, relapse signals and intervision arrive with issue 5."""
