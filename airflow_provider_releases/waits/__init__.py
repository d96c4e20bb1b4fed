"""Waiting for a release state: the one evaluation path of the sensors and their triggers."""
