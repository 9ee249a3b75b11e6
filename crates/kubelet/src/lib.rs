//! kubelet (being written)
