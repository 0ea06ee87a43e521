"""Writes with rules for volunteers, by part of the lifecycle. Import from the submodule:
`from volunteers.services.pipeline import intake_plan`."""
