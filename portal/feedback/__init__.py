"""Customer feedback (asiakaspalaute): NPS and statement figures, anonymisation of open
answers, and their themes and tone, computed offline."""
