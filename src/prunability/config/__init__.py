"""A study's configuration: its validation (``validation``) and the study it implies (``plan``)."""
