<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Observer;

use Magento\Framework\Event\Observer;
use Magento\Framework\Event\ObserverInterface;
use Magento\Sales\Model\Order\Shipment\Track;
use SalesChannel\Reservations\Model\Fulfillment\OutboxWriter;

/**
 * sales_order_shipment_track_save_after: a track added to (or changed on) an existing shipment
 * fires only this event; the outbox gets the shipment as it now is.
 */
class TrackSaveObserver implements ObserverInterface
{
    public function __construct(private readonly OutboxWriter $writer)
    {
    }

    public function execute(Observer $observer): void
    {
        $track = $observer->getEvent()->getData('track');
        if ($track instanceof Track) {
            $this->writer->recordTrack($track, OutboxWriter::EVENT_TRACK_SAVED);
        }
    }
}
