"""Open311 GeoReport v2 (+ mySociety's servicerequestupdates): a façade over the services."""
