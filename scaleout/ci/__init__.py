"""What the GitHub workflows run besides make targets: ECR push with skip, job summaries."""
