//! The in-memory Kubernetes API server. It answers [`apimachinery::ApiRequest`]s as
//! kube-apiserver answers HTTP requests: storage keyed like etcd, one global
//! resourceVersion, watch with history, optimistic concurrency, defaulting, admission,
//! validation, graceful deletion and finalizers, patches, subresources.
//!
//! It reads time and randomness only from the [`sim::SimContext`] it is handed.
