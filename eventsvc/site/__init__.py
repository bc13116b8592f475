"""The agency's site around every page: its name, logo, footer links and favicon."""
