"""Push to partners: the durable, coalescing outbox and its delivery worker (DESIGN decision 5)."""
