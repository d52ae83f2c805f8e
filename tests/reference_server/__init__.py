"""An OpenAI-faithful chat-completions test server with defect modes, written independently of the project."""
