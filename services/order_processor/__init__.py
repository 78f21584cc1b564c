"""Order processor: folds Amazon facts, Magento results, reservations and user requests
into each order's Orders-tab view, its log and the commands for the Magento writer."""
