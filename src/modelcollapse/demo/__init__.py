"""The post's demonstration, digit for digit, and what the post could not show."""
