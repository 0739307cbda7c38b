"""The pane (`approve pane`): the review screen beside the agent, with its queue and fatigue meter."""
