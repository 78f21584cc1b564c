<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Observer;

use Magento\Framework\Event\Observer;
use Magento\Framework\Event\ObserverInterface;
use Magento\Sales\Model\Order\Shipment;
use SalesChannel\Reservations\Model\Fulfillment\OutboxWriter;

/**
 * sales_order_shipment_save_after: records the saved shipment (items and tracks) in the outbox,
 * in the transaction that saves it.
 */
class ShipmentSaveObserver implements ObserverInterface
{
    public function __construct(private readonly OutboxWriter $writer)
    {
    }

    public function execute(Observer $observer): void
    {
        $shipment = $observer->getEvent()->getData('shipment');
        if ($shipment instanceof Shipment) {
            $this->writer->record($shipment, OutboxWriter::EVENT_SHIPMENT_SAVED);
        }
    }
}
