"""Infrastructure shared by every domain package: errors, database, HTTP plumbing."""
