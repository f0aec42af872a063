"""Manager dashboards: precomputed per-person and per-team figures, weekly snapshots, remediation and exports."""
