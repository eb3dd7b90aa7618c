"""Identity: people and businesses linked across sources to stable ids; work orders attributed; links with time."""
