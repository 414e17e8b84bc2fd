"""mmaction2 configs (configs/) and the custom modules they register (datasets, transforms, models)."""
