"""Resident panels (asukaspaneeli) drawn by fair stratified sortition."""
