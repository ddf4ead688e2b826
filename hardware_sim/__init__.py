"""hardware_sim."""
