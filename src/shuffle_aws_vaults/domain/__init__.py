"""Pure business rules: recovery points, selection, plans, the item state machine."""
