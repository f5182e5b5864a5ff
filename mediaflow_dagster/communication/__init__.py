"""The communication module's own logic, free of any store or service: personal data sealed and
pseudonymized, signed links, Handlebars rendering, phone numbers and SMS segments."""
