//! Network tools of the learner's machine and of containers (`curl`, ...).

pub mod curl;
