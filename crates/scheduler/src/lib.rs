//! kube-scheduler v1.37's default profile.
