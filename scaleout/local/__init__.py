"""`make up` / `make down` / `make status`: the whole stack on this machine, no AWS account."""
