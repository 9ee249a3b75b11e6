//! The kubeplay line interpreter: reads lines as a POSIX shell reads what people type in
//! Kubernetes tutorials and runs kubectl, sleep, echo, pipes into grep/head/… against one
//! cluster. Both the native binary and the browser terminal use it.
