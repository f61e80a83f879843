"""Shared web plumbing: templating, i18n, static assets, sessions, guards, errors."""
