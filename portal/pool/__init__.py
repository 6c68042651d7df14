"""The resident pool (asukaspooli): volunteer residents who want to be invited to develop
services, their self-service, the coordinators' registry, invitations and retention."""
