//! Network tools of the learner's machine and of containers (`curl`, ...).

pub mod curl;
pub mod openssl;
pub mod ssh;
pub mod systemctl;
pub mod vagrant;
