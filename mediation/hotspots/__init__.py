"""热点预警: clusters of disputes found each week by rules whose thresholds an admin edits."""
