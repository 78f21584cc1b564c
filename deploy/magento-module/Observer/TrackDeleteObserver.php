<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Observer;

use Magento\Framework\Event\Observer;
use Magento\Framework\Event\ObserverInterface;
use Magento\Sales\Model\Order\Shipment\Track;
use SalesChannel\Reservations\Model\Fulfillment\OutboxWriter;

/**
 * sales_order_shipment_track_delete_after: a removed tracking number (often one being corrected)
 * is recorded as the shipment without it.
 */
class TrackDeleteObserver implements ObserverInterface
{
    public function __construct(private readonly OutboxWriter $writer)
    {
    }

    public function execute(Observer $observer): void
    {
        $track = $observer->getEvent()->getData('track');
        if ($track instanceof Track) {
            $this->writer->recordTrack($track, OutboxWriter::EVENT_TRACK_DELETED);
        }
    }
}
