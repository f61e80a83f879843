"""Working days: statutory time limits skip weekends and Vietnamese public holidays."""
