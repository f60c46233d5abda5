"""The thin HTTP layer: transport (envelope, retries), client (endpoints), models."""
