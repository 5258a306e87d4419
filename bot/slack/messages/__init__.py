"""Block Kit builders for every message pipebot posts: pure, facts in, a `SlackMessage` out."""
