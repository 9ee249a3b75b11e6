//! The composition root: builds a whole cluster (API server, default objects, later the
//! scheduler, controllers and kubelets) from a seed, drives its virtual clock, and saves and
//! restores it.
