"""Training of agent point staff: courses, sessions and who attended and passed."""
