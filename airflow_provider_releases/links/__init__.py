"""Operator extra links: links in a task instance's Details tab that open the object it created or changed."""
