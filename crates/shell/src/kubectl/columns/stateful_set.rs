//! StatefulSets (`printStatefulSet`): `NAME READY AGE`, with `-o wide` also `CONTAINERS
//! IMAGES`. READY is ready replicas over desired ones.

use super::replica_set::container_cells;
use super::{col, wide, Column, RowContext};
use kubarium_engine::api::StatefulSet;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[
    col("Name"),
    col("Ready"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
];

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    let Some(sts) = obj.as_::<StatefulSet>() else {
        return Vec::new();
    };
    let ready = sts
        .status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0);
    let (names, images) = container_cells(Some(&sts.spec.template));
    vec![
        sts.metadata.name.clone().unwrap_or_default(),
        format!("{ready}/{}", sts.spec.replicas.unwrap_or(1)),
        ctx.since(sts.metadata.creation_timestamp.as_ref()),
        names,
        images,
    ]
}
