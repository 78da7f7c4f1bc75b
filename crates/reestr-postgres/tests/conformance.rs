//! The store's conformance suite on PostgreSQL, when REESTR_TEST_POSTGRES names a server.

mod common;

use std::sync::Arc;

use common::Schema;
use reestr_store::{Store, conformance::Harness};

struct Pg {
    store: Arc<dyn Store>,
    // Declared last: dropped after the store, so the schema goes when nothing uses it.
    schema: Schema,
}

impl Harness for Pg {
    fn available() -> bool {
        common::url().is_some()
    }

    fn fresh() -> Self {
        let url = common::url().expect("available() said so");
        let schema = Schema::new(&url);
        Pg { store: Arc::new(schema.open()), schema }
    }

    fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    fn reopen(&self) -> Arc<dyn Store> {
        Arc::new(self.schema.open())
    }
}

reestr_store::conformance_tests!(Pg);
