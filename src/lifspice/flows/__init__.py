"""Flows: what runs ngspice for a purpose (characterize, F-I, noise, sizing, Monte Carlo)."""
